#ifndef TOKENGATE_CLIBPQ_SHIM_H
#define TOKENGATE_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
