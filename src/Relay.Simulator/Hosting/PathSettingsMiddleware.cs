using Microsoft.AspNetCore.Http;
using Relay.Simulator.Calls;

namespace Relay.Simulator.Hosting;

/// <summary>
/// Turns leading <c>/_NAME/VALUE</c> path segments into <c>x-sim-NAME</c> headers and strips them, so that a
/// channel's base URL such as <c>http://127.0.0.1:P/_fault/status-500</c> selects a behaviour.
/// A header the client sent itself wins.
/// </summary>
internal static class PathSettingsMiddleware
{
    public static Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path.Value ?? "";
        while (TrySplit(path, out var name, out var value, out var rest))
        {
            var header = SimulatorHeaders.Prefix + name;
            if (!SimulatorHeaders.All.Contains(header))
            {
                break;
            }

            if (!http.Request.Headers.ContainsKey(header))
            {
                http.Request.Headers[header] = value;
            }

            path = rest;
        }

        http.Request.Path = new PathString(path.Length == 0 ? "/" : path);
        return next(http);
    }

    private static bool TrySplit(string path, out string name, out string value, out string rest)
    {
        name = value = rest = "";
        if (!path.StartsWith("/_", StringComparison.Ordinal))
        {
            return false;
        }

        var nameEnd = path.IndexOf('/', 2);
        if (nameEnd < 0)
        {
            return false;
        }

        var valueEnd = path.IndexOf('/', nameEnd + 1);
        name = path[2..nameEnd];
        value = valueEnd < 0 ? path[(nameEnd + 1)..] : path[(nameEnd + 1)..valueEnd];
        rest = valueEnd < 0 ? "" : path[valueEnd..];
        return value.Length > 0;
    }
}
