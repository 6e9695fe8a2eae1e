namespace Relay.Console;

/// <summary>
/// The console's words. The English text is the key (and the English page); Resources/Text.zh-Hans.resx holds the
/// Simplified Chinese for each.
/// </summary>
public sealed class Text;
