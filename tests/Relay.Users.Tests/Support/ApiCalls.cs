using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Relay.Users.Tests.Support;

/// <summary>A person who signed up and signed in through the API.</summary>
public sealed record SignedInUser(string AccountId, string Email, string Password, string Token, string InviteCode);

/// <summary>An answer of the API: its status and its JSON body (undefined when there was none).</summary>
public sealed record Answer(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)
{
    /// <summary>The error's code, or null for an answer that is not an error.</summary>
    public string? ErrorCode =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
}

/// <summary>Calls of the user API as a client makes them.</summary>
public static class ApiCalls
{
    public const string Password = "correct horse battery";

    public static string NewEmail() => $"u{Guid.NewGuid():N}@example.com";

    public static async Task<Answer> SendAsync(this HttpClient client, HttpMethod method, string path, object? body = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer(response.StatusCode, json, response);
    }

    public static Task<Answer> GetAsync(this HttpClient client, string path, string? token) =>
        client.SendAsync(HttpMethod.Get, path, null, token);

    public static Task<Answer> PostAsync(this HttpClient client, string path, object body, string? token = null) =>
        client.SendAsync(HttpMethod.Post, path, body, token);

    public static Task<Answer> DeleteAsync(this HttpClient client, string path, string? token) =>
        client.SendAsync(HttpMethod.Delete, path, null, token);

    public static Task<Answer> SignUpAsync(this HttpClient client, string email, string password = Password, string? inviteCode = null) =>
        client.PostAsync("/api/signup", new { email, password, inviteCode });

    public static Task<Answer> SignInAsync(this HttpClient client, string email, string password = Password) =>
        client.PostAsync("/api/signin", new { email, password });

    /// <summary>Signs a new person up (with an invite code when given) and in.</summary>
    public static async Task<SignedInUser> NewUserAsync(this HttpClient client, string? inviteCode = null)
    {
        var email = NewEmail();
        var signUp = await client.SignUpAsync(email, Password, inviteCode);
        Assert.Equal(HttpStatusCode.Created, signUp.Status);
        var signIn = await client.SignInAsync(email);
        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        return new SignedInUser(
            signUp.Body.GetProperty("accountId").GetString()!, email, Password, signIn.Body.GetProperty("token").GetString()!,
            signUp.Body.GetProperty("inviteCode").GetString()!);
    }

    public static async Task<JsonElement> MeAsync(this HttpClient client, SignedInUser user)
    {
        var me = await client.GetAsync("/api/me", user.Token);
        Assert.Equal(HttpStatusCode.OK, me.Status);
        return me.Body;
    }

    public static async Task<decimal> BalanceAsync(this HttpClient client, SignedInUser user) =>
        (await client.MeAsync(user)).GetProperty("balanceUsd").GetDecimal();

    /// <summary>Polls until a condition holds: for effects the grains deliver one-way, with no signal to await.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(50);
        }
    }
}
