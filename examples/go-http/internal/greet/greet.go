// Package greet builds the service's answers.
package greet

import (
	"fmt"
	"strings"
)

// Message greets name, or the world when name is empty.
func Message(greeting, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "world"
	}
	if greeting == "" {
		greeting = "Hello"
	}
	return fmt.Sprintf("%s, %s!", greeting, name)
}
