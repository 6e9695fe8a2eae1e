# The Relay edge: the stateless HTTP front (Anthropic, OpenAI and GLM APIs, /admin), an Orleans client.
# Build from the repository root (docker-compose.yml does):
#   docker build -f deploy/docker/EdgeApi.Dockerfile -t relay-edge .
# Port: 8080 (the API and /healthz).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK of the development machines, and this image carries
# whichever 10.0 SDK is newest. .editorconfig is needed: it sets analyzer severities, and warnings are errors.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Relay.Grains.Abstractions/Relay.Grains.Abstractions.csproj src/Relay.Grains.Abstractions/
COPY src/Relay.Users/Relay.Users.csproj src/Relay.Users/
COPY src/Relay.Hosting/Relay.Hosting.csproj src/Relay.Hosting/
COPY src/Relay.EdgeApi/Relay.EdgeApi.csproj src/Relay.EdgeApi/
RUN dotnet restore src/Relay.EdgeApi/Relay.EdgeApi.csproj
COPY src/Relay.Grains.Abstractions/ src/Relay.Grains.Abstractions/
COPY src/Relay.Users/ src/Relay.Users/
COPY src/Relay.Hosting/ src/Relay.Hosting/
COPY src/Relay.EdgeApi/ src/Relay.EdgeApi/
RUN dotnet publish src/Relay.EdgeApi/Relay.EdgeApi.csproj -c Release --no-restore -o /app -p:UseAppHost=false
COPY deploy/docker/probe.sh /app/
RUN chmod 755 /app/probe.sh

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The working directory is the content root: appsettings.json (the model catalog) is read from here.
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/app/probe.sh", "/healthz"]
ENTRYPOINT ["dotnet", "Relay.EdgeApi.dll"]
