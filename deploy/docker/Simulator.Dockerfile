# The upstream simulator: fake Anthropic, OpenAI and GLM endpoints for trials and load tests without keys.
# Build from the repository root (docker-compose.yml does):
#   docker build -f deploy/docker/Simulator.Dockerfile -t relay-simulator .
# Port: 8080.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK of the development machines, and this image carries
# whichever 10.0 SDK is newest. .editorconfig is needed: it sets analyzer severities, and warnings are errors.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Relay.Simulator/Relay.Simulator.csproj src/Relay.Simulator/
RUN dotnet restore src/Relay.Simulator/Relay.Simulator.csproj
COPY src/Relay.Simulator/ src/Relay.Simulator/
RUN dotnet publish src/Relay.Simulator/Relay.Simulator.csproj -c Release --no-restore -o /app -p:UseAppHost=false
COPY deploy/docker/probe.sh /app/
RUN chmod 755 /app/probe.sh

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
# The simulator has no /healthz; its model list answers any non-empty key.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["/app/probe.sh", "/v1/models"]
ENTRYPOINT ["dotnet", "Relay.Simulator.dll"]
