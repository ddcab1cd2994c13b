package com.example.hello;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GreetingTest {
    @Test
    void greetsTheWorldByDefault() {
        assertEquals("Hello, world!", Greeting.message("Hello", null));
    }

    @Test
    void greetsByName() {
        assertEquals("Hi, duke!", Greeting.message(" Hi ", " duke "));
    }
}
