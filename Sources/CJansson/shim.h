#ifndef TOKENGATE_CJANSSON_SHIM_H
#define TOKENGATE_CJANSSON_SHIM_H
#include <jansson.h>
#endif
