using System.Text.Encodings.Web;
using System.Text.Json;

namespace Relay.EdgeApi.Protocols;

/// <summary>
/// Changes the few bytes of a request Relay must touch and no other: the model alias, and for a streamed chat
/// completion the <c>stream_options.include_usage</c> that makes OpenAI report usage.
/// </summary>
public static class RequestRewriter
{
    private static readonly byte[] _includeUsageMember = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] _streamOptionsMember = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] _streamOptionsValue = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] _true = "true"u8.ToArray();

    /// <summary>
    /// Minimal byte splice: replaces the top-level <c>model</c> string when <paramref name="upstreamModel"/> differs,
    /// and for <see cref="WireProtocol.OpenAIChat"/> with <c>stream: true</c> and no <c>include_usage</c> adds or
    /// sets <c>"stream_options":{"include_usage":true}</c> (merging into an existing object). Whitespace, key order,
    /// number formatting and escapes elsewhere stay as they were. Returns <paramref name="body"/> itself when nothing
    /// needs changing. The body must be one that <see cref="RequestInspector"/> accepted.
    /// </summary>
    public static ReadOnlyMemory<byte> Rewrite(WireProtocol protocol, ReadOnlyMemory<byte> body, RequestFacts facts, string upstreamModel)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(upstreamModel);
        var swapModel = !string.Equals(facts.Model, upstreamModel, StringComparison.Ordinal);
        var addUsage = protocol == WireProtocol.OpenAIChat && facts.Stream && !facts.ClientAskedForUsage;
        if (!swapModel && !addUsage)
        {
            return body;
        }

        var layout = Locate(body.Span);
        var edits = new List<Splice>(2);
        if (swapModel && layout.ModelStart >= 0)
        {
            // A request body is not HTML: only what JSON itself requires is escaped.
            var encoded = JsonEncodedText.Encode(upstreamModel, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes;
            edits.Add(new Splice(layout.ModelStart, layout.ModelEnd, [(byte)'"', .. encoded, (byte)'"']));
        }

        if (addUsage)
        {
            edits.Add(layout switch
            {
                { IncludeUsageStart: >= 0 } => new Splice(layout.IncludeUsageStart, layout.IncludeUsageEnd, _true),
                { OptionsObjectOpen: >= 0 } => new Splice(
                    layout.OptionsObjectOpen + 1,
                    layout.OptionsObjectOpen + 1,
                    layout.OptionsObjectEmpty ? _includeUsageMember : [.. _includeUsageMember, (byte)',']),
                { OptionsNullStart: >= 0 } => new Splice(layout.OptionsNullStart, layout.OptionsNullStart + 4, _streamOptionsValue),
                _ => new Splice(layout.LastValueEnd, layout.LastValueEnd, _streamOptionsMember),
            });
        }

        if (edits.Count == 0)
        {
            return body;
        }

        edits.Sort((a, b) => a.Start.CompareTo(b.Start));

        var length = body.Length;
        foreach (var edit in edits)
        {
            length += edit.Insert.Length - (edit.End - edit.Start);
        }

        var source = body.Span;
        var result = new byte[length];
        var read = 0;
        var written = 0;
        foreach (var edit in edits)
        {
            source[read..edit.Start].CopyTo(result.AsSpan(written));
            written += edit.Start - read;
            edit.Insert.CopyTo(result.AsSpan(written));
            written += edit.Insert.Length;
            read = edit.End;
        }

        source[read..].CopyTo(result.AsSpan(written));
        return result;
    }

    private static Layout Locate(ReadOnlySpan<byte> body)
    {
        var layout = new Layout();
        var reader = JsonScan.Reader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ArgumentException("The body is not a JSON object; inspect it first.", nameof(body));
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                layout.ModelStart = (int)reader.TokenStartIndex;
                reader.Skip();
                layout.ModelEnd = (int)reader.BytesConsumed;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    layout.OptionsNullStart = (int)reader.TokenStartIndex;
                }
                else if (reader.TokenType == JsonTokenType.StartObject)
                {
                    layout.OptionsObjectOpen = (int)reader.TokenStartIndex;
                    layout.OptionsObjectEmpty = true;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        layout.OptionsObjectEmpty = false;
                        var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                        reader.Read();
                        if (isIncludeUsage)
                        {
                            layout.IncludeUsageStart = (int)reader.TokenStartIndex;
                        }

                        reader.Skip();
                        if (isIncludeUsage)
                        {
                            layout.IncludeUsageEnd = (int)reader.BytesConsumed;
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }

            layout.LastValueEnd = (int)reader.BytesConsumed;
        }

        return layout;
    }

    private readonly record struct Splice(int Start, int End, byte[] Insert);

    private sealed class Layout
    {
        public int ModelStart { get; set; } = -1;

        public int ModelEnd { get; set; } = -1;

        public int OptionsNullStart { get; set; } = -1;

        public int OptionsObjectOpen { get; set; } = -1;

        public bool OptionsObjectEmpty { get; set; }

        public int IncludeUsageStart { get; set; } = -1;

        public int IncludeUsageEnd { get; set; } = -1;

        public int LastValueEnd { get; set; }
    }
}
