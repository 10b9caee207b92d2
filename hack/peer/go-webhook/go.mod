module tokengate.example/bench/go-webhook

go 1.19
