using Microsoft.AspNetCore.Http.HttpResults;
using Relay.Accounts;
using Relay.Identity;
using Relay.Money;
using Relay.Users.Identity;

namespace Relay.EdgeApi.Users;

internal sealed record TransferBody(string? ToAccountId, string? ToEmail, decimal? AmountUsd, string? TransferId, string? Note);

internal sealed record TransferSent(string TransferId, string ToAccountId, decimal AmountUsd, decimal BalanceUsd);

/// <summary>Giving part of one's balance to another account, by its id or its email.</summary>
internal static class TransfersApi
{
    private const int MaxTransferIdLength = 100;
    private const int MaxNoteLength = 200;

    public static RouteGroupBuilder MapTransfers(this RouteGroupBuilder api)
    {
        api.MapPost("/transfers", TransferAsync).Accepts<TransferBody>("application/json");
        return api;
    }

    private static async Task<Results<Ok<TransferSent>, JsonHttpResult<ApiError>>> TransferAsync(
        HttpContext http, IGrainFactory grains)
    {
        var (body, invalid) = await JsonBodies.ReadAsync<TransferBody>(http.Request);
        if (body is null)
        {
            return invalid!;
        }
        if (!string.IsNullOrWhiteSpace(body.ToAccountId) == !string.IsNullOrWhiteSpace(body.ToEmail))
        {
            return ApiErrors.BadRequest("invalid_recipient", "Give exactly one of 'toAccountId' and 'toEmail'.");
        }
        if (Amount(body.AmountUsd) is not { } amount)
        {
            return ApiErrors.BadRequest("invalid_amount", "'amountUsd' must be a positive amount of USD with at most 9 decimal places.");
        }
        // Without an id from the client a retry cannot be recognised; with one, sending it again moves money once.
        var transferId = string.IsNullOrWhiteSpace(body.TransferId) ? Guid.NewGuid().ToString("N") : body.TransferId.Trim();
        if (transferId.Length > MaxTransferIdLength)
        {
            return ApiErrors.BadRequest("invalid_transfer_id", $"'transferId' is at most {MaxTransferIdLength} characters.");
        }
        var note = body.Note?.Trim() ?? "";
        if (note.Length > MaxNoteLength)
        {
            return ApiErrors.BadRequest("invalid_note", $"'note' is at most {MaxNoteLength} characters.");
        }

        var toAccountId = body.ToAccountId?.Trim();
        if (toAccountId is null or "")
        {
            var login = EmailAddresses.Normalize(body.ToEmail) is { } email ? await grains.GetGrain<IEmailGrain>(email).GetAsync() : null;
            if (login is null)
            {
                return ApiErrors.NotFound("unknown_recipient", "No account has that email.");
            }
            toAccountId = login.AccountId;
        }

        var result = await grains.Account(http).TransferAsync(new TransferRequest(transferId, toAccountId, amount, note));
        return result.Outcome switch
        {
            // A retry answers with the transfer as first booked.
            TransferOutcome.Sent => TypedResults.Ok(new TransferSent(transferId, toAccountId,
                (result.SenderEntry is { } debit ? -debit.Delta : amount).ToDecimal(), result.SenderBalance.ToDecimal())),
            TransferOutcome.InsufficientBalance => ApiErrors.Of(StatusCodes.Status402PaymentRequired, "insufficient_balance", "insufficient_balance",
                $"The available balance is less than {amount.ToDecimal()} USD."),
            TransferOutcome.UnknownRecipient => ApiErrors.NotFound("unknown_recipient", "No such recipient account."),
            TransferOutcome.ToSelf => ApiErrors.BadRequest("transfer_to_self", "A transfer goes to another account."),
            TransferOutcome.AccountDisabled => ApiErrors.Of(StatusCodes.Status403Forbidden, "permission_error", "account_disabled",
                "The account is disabled."),
            _ => ApiErrors.NotFound("unknown_account", "The account does not exist."),
        };
    }

    private static Usd? Amount(decimal? usd)
    {
        if (usd is not { } value || value <= 0)
        {
            return null;
        }
        try
        {
            return Usd.FromDecimal(value);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
    }
}
