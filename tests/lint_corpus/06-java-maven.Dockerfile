FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /workspace
COPY pom.xml .
RUN mvn -B dependency:go-offline
COPY src ./src
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre
RUN useradd --system --no-create-home spring
COPY --from=build /workspace/target/app.jar /app/app.jar
USER spring
EXPOSE 8080
HEALTHCHECK CMD ["java", "-cp", "/app/app.jar", "Health"]
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
