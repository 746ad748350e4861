package v201

//go:generate go run ../internal/schemagen -version 2.0.1
