using System.Buffers.Text;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Relay.Users.Tests.Support;

namespace Relay.Users.Tests.Sessions;

[Collection(SharedSilo.Name)]
public sealed class SignInTests(InProcessSilo silo)
{
    private HttpClient Client => silo.Api.Client;

    [Fact]
    public async Task Signing_in_with_the_right_password_gives_a_token_for_seven_days()
    {
        var email = ApiCalls.NewEmail();
        var accountId = (await Client.SignUpAsync(email)).Body.GetProperty("accountId").GetString();

        var signIn = await Client.SignInAsync(email.ToUpperInvariant());
        var me = await Client.GetAsync("/api/me", signIn.Body.GetProperty("token").GetString());

        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(accountId, signIn.Body.GetProperty("accountId").GetString());
        Assert.Equal(silo.Api.Clock.GetUtcNow().AddDays(7), signIn.Body.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal(accountId, me.Body.GetProperty("accountId").GetString());
    }

    [Fact]
    public async Task A_wrong_password_or_an_unknown_email_is_refused_with_401()
    {
        var email = ApiCalls.NewEmail();
        await Client.SignUpAsync(email);

        var wrongPassword = await Client.SignInAsync(email, "not the password");
        var unknownEmail = await Client.SignInAsync(ApiCalls.NewEmail());

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Assert.Equal("authentication_error", wrongPassword.Body.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.Status);
        Assert.Equal(wrongPassword.Body.GetProperty("error").GetProperty("message").GetString(),
            unknownEmail.Body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_sign_in_for_fifteen_minutes_even_with_the_right_one()
    {
        var email = ApiCalls.NewEmail();
        await Client.SignUpAsync(email);

        var failures = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            failures.Add((await Client.SignInAsync(email, "not the password")).Status);
        }
        var locked = await Client.SignInAsync(email);
        var expectedUnlock = silo.Clock.GetUtcNow() + TimeSpan.FromMinutes(15);
        silo.Clock.Advance(TimeSpan.FromMinutes(15));
        var unlocked = await Client.SignInAsync(email);

        Assert.All(failures, status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.Status);
        Assert.Equal("sign_in_locked", locked.ErrorCode);
        Assert.Equal(expectedUnlock, locked.Body.GetProperty("error").GetProperty("unlocksAt").GetDateTimeOffset());
        Assert.NotNull(locked.Response.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, unlocked.Status);
    }

    [Fact]
    public async Task A_tampered_token_a_foreign_token_or_none_is_refused_with_401()
    {
        var victim = await Client.NewUserAsync();
        var attacker = await Client.NewUserAsync();
        var (payload, signature) = Split(attacker.Token);
        var swappedAccount = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            Encoding.UTF8.GetString(Base64Url.DecodeFromChars(payload)).Replace(attacker.AccountId, victim.AccountId, StringComparison.Ordinal)));
        var flippedSignature = signature[..^2] + (signature[^2] == 'A' ? 'B' : 'A') + signature[^1];
        await using var otherEdge = await UserApiHost.StartAsync(silo.Grains, new Dictionary<string, string?>
        {
            ["Relay:Users:SessionSecret"] = "another-secret-of-more-than-thirty-two-bytes",
        });
        var foreignToken = (await otherEdge.Client.SignInAsync(victim.Email)).Body.GetProperty("token").GetString();

        var answers = new[]
        {
            await Client.GetAsync("/api/me", swappedAccount + "." + signature),
            await Client.GetAsync("/api/me", payload + "." + flippedSignature),
            await Client.GetAsync("/api/me", foreignToken),
            await Client.GetAsync("/api/me", "garbage"),
            await Client.GetAsync("/api/me", null),
        };

        Assert.All(answers, a =>
        {
            Assert.Equal(HttpStatusCode.Unauthorized, a.Status);
            Assert.Equal("invalid_session", a.ErrorCode);
        });
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/me", attacker.Token)).Status);
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("GET", "/api/keys")]
    [InlineData("POST", "/api/keys")]
    [InlineData("DELETE", "/api/keys/abc")]
    [InlineData("GET", "/api/usage")]
    [InlineData("GET", "/api/usage/daily")]
    [InlineData("GET", "/api/ledger")]
    [InlineData("GET", "/api/devices")]
    [InlineData("DELETE", "/api/devices/laptop")]
    [InlineData("POST", "/api/transfers")]
    public async Task Every_account_endpoint_refuses_a_request_without_a_session(string method, string path)
    {
        var answer = await Client.SendAsync(new HttpMethod(method), path, method == "POST" ? new { } : null, token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("invalid_session", answer.ErrorCode);
    }

    [Fact]
    public async Task A_session_token_stops_working_when_it_expires()
    {
        await using var edge = await UserApiHost.StartAsync(silo.Grains, new Dictionary<string, string?>
        {
            ["Relay:Users:SessionLifetime"] = "01:00:00",
        });
        var user = await edge.Client.NewUserAsync();

        edge.Clock.Advance(TimeSpan.FromMinutes(59));
        var before = await edge.Client.GetAsync("/api/me", user.Token);
        edge.Clock.Advance(TimeSpan.FromMinutes(1));
        var after = await edge.Client.GetAsync("/api/me", user.Token);

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
    }

    [Fact]
    public async Task Sign_ups_and_sign_ins_beyond_the_limit_from_one_address_are_refused_with_429()
    {
        await using var edge = await UserApiHost.StartAsync(silo.Grains, new Dictionary<string, string?>
        {
            ["Relay:Users:AuthPermitLimit"] = "3",
            ["Relay:Users:AuthWindow"] = "00:10:00",
        });
        var email = ApiCalls.NewEmail();

        var allowed = new[]
        {
            await edge.Client.SignUpAsync(email),
            await edge.Client.SignInAsync(email),
            await edge.Client.SignInAsync(email, "wrong password"),
        };
        var refusedSignIn = await edge.Client.SignInAsync(email);
        var refusedSignUp = await edge.Client.SignUpAsync(ApiCalls.NewEmail());

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Unauthorized], allowed.Select(a => a.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedSignIn.Status);
        Assert.Equal("too_many_requests", refusedSignIn.ErrorCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedSignUp.Status);
    }

    [Fact]
    public async Task An_edge_without_a_session_secret_of_32_bytes_does_not_start()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => UserApiHost.StartAsync(silo.Grains, new Dictionary<string, string?>
        {
            ["Relay:Users:SessionSecret"] = "too short",
        }));

        Assert.Contains("Relay:Users:SessionSecret", error.Message, StringComparison.Ordinal);
    }

    private static (string Payload, string Signature) Split(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        return (token[..dot], token[(dot + 1)..]);
    }
}
