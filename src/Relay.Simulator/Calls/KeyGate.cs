using Microsoft.AspNetCore.Http;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Calls;

/// <summary>Checks the caller's key the way each provider reads it.</summary>
internal static class KeyGate
{
    /// <param name="presentedKey">The key the caller sent, or null when it sent none.</param>
    public static bool Admits(HttpRequest request, bool acceptsXApiKey, SimulatorOptions options, out string? presentedKey)
    {
        presentedKey = PresentedKey(request, acceptsXApiKey);
        if (string.IsNullOrEmpty(presentedKey))
        {
            return false;
        }

        return options.ApiKeys.Count == 0 || options.ApiKeys.Contains(presentedKey, StringComparer.Ordinal);
    }

    private static string? PresentedKey(HttpRequest request, bool acceptsXApiKey)
    {
        if (acceptsXApiKey && request.Headers.TryGetValue("x-api-key", out var apiKey))
        {
            return apiKey.ToString();
        }

        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            return null;
        }

        // "Bearer" alone is an empty key, which OpenAI names as '' in its refusal.
        return authorization.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase)
            ? authorization["Bearer".Length..].Trim()
            : authorization;
    }
}
