using System.Security.Cryptography;
using Relay.Invites;
using Relay.Ledger;
using Relay.Money;

namespace Relay.Accounts;

/// <summary>
/// Opening one account, signing up with its bonuses, its own invite code, and the referral reward its inviter
/// earns from its first top-up (docs/accounts.md). Every money step books under a fixed entry id, so a retry
/// books nothing twice.
/// </summary>
/// <remarks>
/// Not thread-safe, and needs none: it lives inside an account grain activation, whose queue of turns runs its
/// steps one at a time.
/// </remarks>
internal sealed class AccountSignUp(
    string accountId,
    IPersistentState<AccountState> state,
    AccountJournal journal,
    LedgerStore ledger,
    IGrainFactory grains,
    AccountOptions rules,
    TimeProvider clock)
{
    public bool Opened => state.State.OpenedAt is not null;

    /// <summary>Whether this account signed up with an invite code and its inviter has not been rewarded yet.</summary>
    public bool ReferralDue => state.State.InvitedBy is not null && !state.State.ReferralRewardPaid;

    /// <summary>Opens the account for an email, with its own invite code; opening it again changes nothing.</summary>
    public async Task OpenAsync(string email)
    {
        if (!Opened)
        {
            state.State.Email = email.Trim();
            state.State.OpenedAt = clock.GetUtcNow();
            state.State.InviteCode = await ClaimInviteCodeAsync();
            await state.WriteStateAsync();
        }
    }

    /// <summary>Opens the account (refusing an unknown invite code) and books the bonuses once.</summary>
    public async Task SignUpAsync(string email, string? inviteCode)
    {
        if (!Opened)
        {
            string? inviter = null;
            if (!string.IsNullOrWhiteSpace(inviteCode))
            {
                inviter = await grains.GetGrain<IInviteCodeGrain>(inviteCode.Trim().ToUpperInvariant()).GetOwnerAsync();
                if (inviter is null || inviter == accountId)
                {
                    throw new ArgumentException($"Invite code '{inviteCode}' does not exist.", nameof(inviteCode));
                }
            }
            state.State.InvitedBy = inviter;
            await OpenAsync(email);
        }

        // Bonuses are booked under fixed entry ids, so signing up again (a retry) books nothing twice.
        if (Usd.FromDecimal(rules.SignUpBonusUsd) is { IsPositive: true } bonus)
        {
            await journal.BookAsync("signup-bonus", LedgerEntryKind.SignUpBonus, bonus, "sign-up bonus", usage: null);
        }
        if (state.State.InvitedBy is { } invitedBy && Usd.FromDecimal(rules.InviteBonusUsd) is { IsPositive: true } inviteBonus)
        {
            await journal.BookAsync("invite-bonus", LedgerEntryKind.InviteBonus, inviteBonus, $"invited by {invitedBy}", usage: null);
        }
    }

    /// <summary>Credits the inviter its share of this account's first top-up, once.</summary>
    public async Task PayReferralAsync()
    {
        var first = await ledger.FirstOfKindAsync(accountId, LedgerEntryKind.TopUp);
        if (first is null || state.State.InvitedBy is not { } inviter)
        {
            return;
        }
        var reward = new Usd((long)decimal.Floor(first.Delta.Nanos * rules.ReferralRate));
        if (reward.IsPositive)
        {
            // The inviter books it under this account's id: paid once however often this runs.
            await grains.GetGrain<IAccountGrain>(inviter).PostAsync(new LedgerPosting(
                $"referral:{accountId}", LedgerEntryKind.ReferralReward, reward, $"{rules.ReferralRate:P0} of {accountId}'s first top-up"));
        }
        state.State.ReferralRewardPaid = true;
        await state.WriteStateAsync();
    }

    private async Task<string> ClaimInviteCodeAsync()
    {
        const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true)
        {
            var code = string.Create(8, Alphabet, (chars, alphabet) =>
            {
                for (var i = 0; i < chars.Length; i++)
                {
                    chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
                }
            });
            if (await grains.GetGrain<IInviteCodeGrain>(code).ClaimAsync(accountId) == accountId)
            {
                return code;
            }
        }
    }
}
