package com.example.hello;

/** The service's answers, kept apart from the server so that they can be tested. */
public final class Greeting {
    private Greeting() {}

    /** The greeting for {@code name}, or for the world when there is none. */
    public static String message(String word, String name) {
        String w = word == null || word.isBlank() ? "Hello" : word.strip();
        String n = name == null || name.isBlank() ? "world" : name.strip();
        return w + ", " + n + "!";
    }
}
