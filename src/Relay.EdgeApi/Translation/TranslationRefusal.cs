namespace Relay.EdgeApi.Translation;

/// <summary>The request says something the upstream protocol cannot: a 400 to the client naming <see cref="Field"/>.</summary>
internal sealed class TranslationRefusal(string field, string message) : Exception(message)
{
    public string Field { get; } = field;

    public static TranslationRefusal Unsupported(string field, string target, string? hint = null) =>
        new(field, $"{field}: this model is reached through the {target} API, which has no equivalent; Relay will not drop it silently.{(hint is null ? "" : " " + hint)}");

    public static TranslationRefusal Invalid(string field, string what) => new(field, $"{field}: {what}");
}
