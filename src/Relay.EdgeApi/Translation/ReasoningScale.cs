namespace Relay.EdgeApi.Translation;

/// <summary>
/// Between OpenAI's reasoning effort and Anthropic's thinking budget. Anthropic's smallest budget is 1024 tokens;
/// the others are Relay's choice, doubling or quadrupling per step:
/// <code>
/// effort   none  minimal  low   medium  high   xhigh/max
/// budget   off   1024     2048  8192    16384  32768
/// </code>
/// A budget read back into an effort takes the smallest effort whose budget covers it.
/// </summary>
internal static class ReasoningScale
{
    public const long MinimumBudget = 1024;

    public static long BudgetOf(string? effort) => effort switch
    {
        "minimal" => 1024,
        "low" => 2048,
        "high" => 16384,
        "xhigh" or "max" => 32768,
        _ => 8192,
    };

    public static string EffortOf(long budget) => budget switch
    {
        <= 2048 => "low",
        <= 8192 => "medium",
        <= 16384 => "high",
        _ => "xhigh",
    };

    /// <summary>The OpenAI effort for a conversation's reasoning, or null to leave the model's default.</summary>
    public static string? OpenAIEffort(Reasoning reasoning)
    {
        if (reasoning.Effort is { } effort)
        {
            return effort == "max" ? "xhigh" : effort;
        }
        if (reasoning.BudgetTokens is { } budget)
        {
            return EffortOf(budget);
        }
        return null;
    }
}
