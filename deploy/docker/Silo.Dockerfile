# The Relay silo: the Orleans host of the account and key grains.
# Build from the repository root (docker-compose.yml does):
#   docker build -f deploy/docker/Silo.Dockerfile -t relay-silo .
# Ports: 11111 silo to silo, 30000 gateway for the edges, 8080 /healthz.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK of the development machines, and this image carries
# whichever 10.0 SDK is newest. .editorconfig is needed: it sets analyzer severities, and warnings are errors.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Relay.Grains.Abstractions/Relay.Grains.Abstractions.csproj src/Relay.Grains.Abstractions/
COPY src/Relay.Grains/Relay.Grains.csproj src/Relay.Grains/
COPY src/Relay.Silo/Relay.Silo.csproj src/Relay.Silo/
RUN dotnet restore src/Relay.Silo/Relay.Silo.csproj
COPY src/Relay.Grains.Abstractions/ src/Relay.Grains.Abstractions/
COPY src/Relay.Grains/ src/Relay.Grains/
COPY src/Relay.Silo/ src/Relay.Silo/
COPY deploy/sql/ deploy/sql/
RUN dotnet publish src/Relay.Silo/Relay.Silo.csproj -c Release --no-restore -o /app -p:UseAppHost=false
COPY deploy/docker/silo-entrypoint.sh deploy/docker/probe.sh /app/
RUN chmod 755 /app/silo-entrypoint.sh /app/probe.sh

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080 11111 30000
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["/app/probe.sh", "/healthz"]
# Advertises the container's own address unless Orleans__AdvertisedIp is given (see silo-entrypoint.sh).
ENTRYPOINT ["/app/silo-entrypoint.sh"]
