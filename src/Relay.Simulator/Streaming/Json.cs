using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Relay.Simulator.Streaming;

/// <summary>Writes compact JSON objects with fields in the order the providers send them.</summary>
internal static class Json
{
    // Providers send non-ASCII text as UTF-8, not as \u escapes.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Object(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, s_options))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A compact JSON object as text (tool arguments travel as a string).</summary>
    public static string ObjectText(Action<Utf8JsonWriter> fields) => System.Text.Encoding.UTF8.GetString(Object(fields));

    public static void Object(this Utf8JsonWriter writer, string name, Action<Utf8JsonWriter> fields)
    {
        writer.WriteStartObject(name);
        fields(writer);
        writer.WriteEndObject();
    }

    public static void EmptyArray(this Utf8JsonWriter writer, string name)
    {
        writer.WriteStartArray(name);
        writer.WriteEndArray();
    }

    public static void EmptyObject(this Utf8JsonWriter writer, string name)
    {
        writer.WriteStartObject(name);
        writer.WriteEndObject();
    }

    public static void StringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void NumberOrNull(this Utf8JsonWriter writer, string name, int? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteNumber(name, value.Value);
        }
    }
}
