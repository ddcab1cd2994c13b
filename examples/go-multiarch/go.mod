module example.com/go-scratch

go 1.19
