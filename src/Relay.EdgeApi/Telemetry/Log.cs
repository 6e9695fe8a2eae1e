namespace Relay.EdgeApi.Telemetry;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Model catalog reloaded: {Count} models")]
    public static partial void CatalogReloaded(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Error, "Model catalog change rejected; the previous catalog stays in force")]
    public static partial void CatalogRejected(ILogger logger, Exception exception);

    [LoggerMessage(3, LogLevel.Information, "Channels reloaded: {Count} channels")]
    public static partial void ChannelsReloaded(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Error, "Channel change rejected; the previous channels stay in force")]
    public static partial void ChannelsRejected(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "Circuit of channel {Channel} opened for {BreakDuration}")]
    public static partial void CircuitOpened(ILogger logger, string channel, TimeSpan breakDuration);

    [LoggerMessage(6, LogLevel.Warning, "Call {CallId}: attempt on channel {Channel} failed: {Failure}")]
    public static partial void UpstreamAttemptFailed(ILogger logger, string callId, string channel, string failure);

    [LoggerMessage(7, LogLevel.Information, "Call {CallId} refused: {Reason}")]
    public static partial void CallRefused(ILogger logger, string callId, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Call {CallId}: upstream stream on {Channel} ended early: {Reason}")]
    public static partial void UpstreamCut(ILogger logger, string callId, string channel, string reason);

    [LoggerMessage(9, LogLevel.Information, "Call {CallId}: client went away during the answer")]
    public static partial void ClientGone(ILogger logger, string callId);

    [LoggerMessage(10, LogLevel.Information, "Call {CallId} settled: {Model} on {Channel}, {Tokens} tokens, {Cost} USD, estimated {Estimated}")]
    public static partial void CallSettled(ILogger logger, string callId, string model, string channel, long tokens, string cost, bool estimated);

    [LoggerMessage(11, LogLevel.Warning, "Call {CallId}: settlement attempt {Attempt} failed")]
    public static partial void SettlementRetry(ILogger logger, Exception? exception, string callId, int attempt);

    [LoggerMessage(12, LogLevel.Error, "Call {CallId}: settlement given up; the reservation will expire. Usage {Usage}")]
    public static partial void SettlementAbandoned(ILogger logger, Exception exception, string callId, string usage);

    [LoggerMessage(13, LogLevel.Warning, "Settlement of call {CallId} booked nothing: {Outcome}")]
    public static partial void SettlementNotBooked(ILogger logger, string callId, string outcome);

    [LoggerMessage(14, LogLevel.Error, "Call {CallId} failed inside Relay")]
    public static partial void CallFailed(ILogger logger, Exception exception, string callId);

    [LoggerMessage(15, LogLevel.Warning, "Call {CallId}: could not tell its account the upstream answered; its settlement still books it")]
    public static partial void StartNotSent(ILogger logger, string callId);
}
