plugins {
    java
}

group = "com.example"
version = "0.1.0"

java {
    toolchain {
        languageVersion = JavaLanguageVersion.of(21)
    }
}

repositories {
    mavenCentral()
}

tasks.jar {
    // A runnable jar: `java -jar build/libs/notes-0.1.0.jar`.
    manifest {
        attributes("Main-Class" to "com.example.notes.App")
    }
}
