using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Relay.EdgeApi.Protocols;

/// <summary>Allocation-free reads over JSON bytes that the meters and the inspector share.</summary>
internal static class JsonScan
{
    private static readonly JsonReaderOptions _options = new() { MaxDepth = 256 };

    public static Utf8JsonReader Reader(ReadOnlySpan<byte> json) => new(json, _options);

    /// <summary>UTF-16 length of the string token the reader is on, unescaped.</summary>
    public static long CharCount(ref Utf8JsonReader reader)
    {
        var raw = reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            return Encoding.UTF8.GetCharCount(raw);
        }

        // Unescaped text is never longer, in chars, than its escaped bytes.
        char[]? rented = null;
        var buffer = raw.Length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(raw.Length));
        try
        {
            return reader.CopyString(buffer);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Moves a reader from the start of a document (or from the end of an object this found before) to the
    /// next top-level property of that name whose value is an object; true when the reader is on its start.
    /// </summary>
    public static bool NextObjectProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.TokenType == JsonTokenType.None && (!reader.Read() || reader.TokenType != JsonTokenType.StartObject))
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals(name))
            {
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                return true;
            }
            reader.Skip();
        }
        return false;
    }

    /// <summary>Reads a whole-number token; null for JSON null or anything that is not a non-negative integer.</summary>
    public static long? ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
        {
            return Math.Max(0, value);
        }

        reader.Skip();
        return null;
    }

    /// <summary>Reads a string token, or skips whatever is there and returns null.</summary>
    public static string? ReadString(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>
    /// The raw (still escaped) value of the root object's <c>type</c> string, or empty. Event types are plain ASCII,
    /// so the raw bytes compare as the text.
    /// </summary>
    public static ReadOnlySpan<byte> TopLevelType(ReadOnlySpan<byte> json)
    {
        var reader = Reader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return default;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                return reader.ValueSpan;
            }

            reader.Skip();
        }

        return default;
    }

    /// <summary>
    /// Walks the value the reader is on to its end and adds up the characters of string values held by a property
    /// named in <paramref name="textFields"/>, at any depth. A string value at the start counts when
    /// <paramref name="countScalar"/> says so.
    /// </summary>
    public static long CountTextChars(ref Utf8JsonReader reader, TextFields textFields, bool countScalar = false)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return countScalar ? CharCount(ref reader) : 0;
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return 0;
        }

        var startDepth = reader.CurrentDepth;
        long total = 0;
        var countNext = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    countNext = textFields.Contains(ref reader);
                    break;
                case JsonTokenType.String:
                    if (countNext)
                    {
                        total += CharCount(ref reader);
                    }

                    countNext = false;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray when reader.CurrentDepth == startDepth:
                    return total;
                default:
                    countNext = false;
                    break;
            }
        }

        return total;
    }
}

/// <summary>The property names whose string values are answer text in one protocol.</summary>
internal sealed class TextFields(params string[] names)
{
    private readonly byte[][] _names = [.. names.Select(Encoding.UTF8.GetBytes)];

    public static TextFields Anthropic { get; } = new("text", "thinking", "partial_json");

    public static TextFields OpenAIChat { get; } = new("content", "reasoning_content", "refusal", "arguments");

    public static TextFields OpenAIResponses { get; } = new("text", "refusal", "arguments", "delta");

    public bool Contains(ref Utf8JsonReader reader)
    {
        foreach (var name in _names)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }
}
