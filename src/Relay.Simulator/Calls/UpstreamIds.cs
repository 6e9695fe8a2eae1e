using System.Security.Cryptography;

namespace Relay.Simulator.Calls;

/// <summary>Random ids in the shapes the providers use.</summary>
internal static class UpstreamIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string Hex = "0123456789abcdef";

    public static string Anthropic(string prefix) => prefix + "01" + RandomNumberGenerator.GetString(Base62, 22);

    public static string ChatCompletion() => "chatcmpl-" + RandomNumberGenerator.GetString(Base62, 29);

    public static string OpenAiObject(string prefix) => prefix + RandomNumberGenerator.GetString(Hex, 48);

    public static string ToolCall() => "call_" + RandomNumberGenerator.GetString(Base62, 24);

    public static string OpenAiRequest() => "req_" + RandomNumberGenerator.GetString(Hex, 32);

    /// <summary>Padding of a random length that hides the size of each delta, as OpenAI's streams carry.</summary>
    public static string Obfuscation() => RandomNumberGenerator.GetString(Base62, RandomNumberGenerator.GetInt32(1, 16));

    public static string Fingerprint() => "fp_" + RandomNumberGenerator.GetString(Hex, 10);

    public static string Glm(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture)
        + RandomNumberGenerator.GetString(Hex, 18);
}
