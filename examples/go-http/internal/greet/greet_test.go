package greet

import "testing"

func TestMessage(t *testing.T) {
	cases := []struct{ greeting, name, want string }{
		{"Hello", "", "Hello, world!"},
		{"Hi", " gopher ", "Hi, gopher!"},
		{"", "you", "Hello, you!"},
	}
	for _, c := range cases {
		if got := Message(c.greeting, c.name); got != c.want {
			t.Errorf("Message(%q, %q) = %q, want %q", c.greeting, c.name, got, c.want)
		}
	}
}
