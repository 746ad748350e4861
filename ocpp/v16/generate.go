package v16

//go:generate go run ../internal/schemagen -version 1.6
