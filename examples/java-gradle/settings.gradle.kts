rootProject.name = "notes"
