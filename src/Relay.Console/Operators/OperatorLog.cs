namespace Relay.Console.Operators;

/// <summary>What operators do to accounts, in the console's log (balance adjustments are also ledger entries).</summary>
internal static partial class OperatorLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Operator {Operator} set account {AccountId} disabled={Disabled}")]
    public static partial void AccountDisabledChanged(ILogger logger, string @operator, string accountId, bool disabled);
}
