using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Relay.Catalog;
using Relay.EdgeApi.Tests.Support;
using Relay.Money;
using Relay.Simulator.Hosting;
using Relay.Testing;
using Xunit.Abstractions;

namespace Relay.EdgeApi.Tests.Admin;

/// <summary>
/// Models, prices and channels held by the cluster and changed through the admin API: each test runs a silo of its own
/// (its own catalog) with edges that are started once and never restarted.
/// </summary>
public sealed class CatalogAdminTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Operator = "ada";

    private RelaySiloHost _silo = null!;
    private SimulatorServer _simulator = null!;
    private CapturingUpstream _capture = null!;

    public async Task InitializeAsync()
    {
        _silo = await TestSilo.StartAsync();
        _simulator = await SimulatorServer.StartAsync();
        _capture = await CapturingUpstream.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _capture.DisposeAsync();
        await _simulator.DisposeAsync();
        await _silo.DisposeAsync();
    }

    [Fact]
    public async Task A_price_changed_through_the_admin_api_charges_the_next_call_on_an_edge_that_was_never_restarted()
    {
        await using var changing = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        await using var other = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        var (accountId, key) = await NewAccountAsync(changing.AdminHttp);
        // gpt-5.4 on the simulator: 1000 input and 12 output tokens, at $2.50 / $15 less 10%.
        await ChatAsync(other.Http, key);
        Assert.Equal(Usd.FromDecimal(0.000_002_25m * 1000 + 0.000_013_5m * 12), Assert.Single(await other.Settlements.WaitForAsync(accountId, 1)).Usage.Cost);

        var clock = Stopwatch.StartNew();
        using var changed = await changing.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/models/gpt-5.4/pricing", new
        {
            list = new { input = 4m, output = 20m },
            discount = 1m,
            tiers = Array.Empty<object>(),
        }));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var version = (await changed.Content.ReadFromJsonAsync<JsonObject>())!["version"]!.GetValue<long>();
        await other.Catalog.WhenServingAsync(version).WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"Price change to use on the other edge: {clock.ElapsedMilliseconds} ms (poll interval 1 s)");

        await ChatAsync(other.Http, key);
        var settled = await other.Settlements.WaitForAsync(accountId, 2);
        Assert.Equal(Usd.FromDecimal(0.000_004m * 1000 + 0.000_02m * 12), settled[1].Usage.Cost);
        // The edge that made the change served it at once.
        Assert.True(changing.Catalog.WhenServingAsync(version).IsCompleted);

        var audit = await AuditAsync(changing.AdminHttp);
        var entry = audit[0]!;
        Assert.Equal("model.update", entry["action"]!.GetValue<string>());
        Assert.Equal("gpt-5.4", entry["subject"]!.GetValue<string>());
        Assert.StartsWith("admin-api:" + Operator + " from ", entry["actor"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("2.500000000", entry["before"]!["pricing"]!["list"]!["input"]!.GetValue<string>());
        Assert.Equal("0.9", entry["before"]!["pricing"]!["discount"]!.ToString());
        Assert.Equal("4.000000000", entry["after"]!["pricing"]!["list"]!["input"]!.GetValue<string>());
        Assert.Equal("1", entry["after"]!["pricing"]!["discount"]!.ToString());
    }

    [Fact]
    public async Task A_new_channel_and_a_rotated_key_are_used_and_the_key_is_never_answered_back()
    {
        await using var edge = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        await using var other = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        var (_, key) = await NewAccountAsync(edge.AdminHttp);
        const string firstKey = "sk-ant-first-0123456789abcdefWXYZ";
        const string secondKey = "sk-ant-second-0123456789abcdef9876";

        using (var model = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/models/claude-captured", new
        {
            provider = "anthropic",
            pricing = new { list = new { input = 3m, output = 15m } },
        })))
        {
            Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        }
        using (var added = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Post, "admin/channels", new
        {
            name = "captured",
            provider = "anthropic",
            baseUrl = _capture.BaseUrl.ToString().TrimEnd('/'),
            apiKey = firstKey,
            models = new[] { "claude-captured" },
        })))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.DoesNotContain(firstKey, await added.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await other.Catalog.WhenServingAsync(await CatalogVersionAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        await MessagesAsync(other.Http, key, "claude-captured");
        Assert.Equal(firstKey, _capture.Requests.Last().Headers["x-api-key"]);

        using (var rotated = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/channels/captured/key", new { apiKey = secondKey })))
        {
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        }
        await other.Catalog.WhenServingAsync(await CatalogVersionAsync()).WaitAsync(TimeSpan.FromSeconds(10));
        await MessagesAsync(other.Http, key, "claude-captured");
        Assert.Equal(secondKey, _capture.Requests.Last().Headers["x-api-key"]);

        // Neither the catalog, nor the audit log, nor the stored row holds a key; operators see a fingerprint and the last 4.
        var catalog = await (await edge.AdminHttp.SendAsync(Admin(HttpMethod.Get, "admin/catalog"))).Content.ReadAsStringAsync();
        var auditText = await (await edge.AdminHttp.SendAsync(Admin(HttpMethod.Get, "admin/catalog/audit?limit=1000"))).Content.ReadAsStringAsync();
        var stored = await StoredRowsAsync();
        foreach (var text in new[] { catalog, auditText, stored })
        {
            Assert.DoesNotContain(firstKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secondKey, text, StringComparison.Ordinal);
            Assert.DoesNotContain("upstream-key-paced", text, StringComparison.Ordinal);
        }
        var channel = JsonNode.Parse(catalog)!["channels"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "captured")!;
        Assert.Equal(CatalogRules.Fingerprint(secondKey), channel["keyFingerprint"]!.GetValue<string>());
        Assert.Equal("9876", channel["keyLast4"]!.GetValue<string>());
        var rotation = (await AuditAsync(edge.AdminHttp))[0]!;
        Assert.Equal("channel.rotate-key", rotation["action"]!.GetValue<string>());
        Assert.Equal(CatalogRules.Fingerprint(firstKey), rotation["before"]!["keyFingerprint"]!.GetValue<string>());
        Assert.Equal(CatalogRules.Fingerprint(secondKey), rotation["after"]!["keyFingerprint"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_disabled_channel_is_not_used_and_enabled_again_it_is()
    {
        await using var edge = StoppableEdge.Start(_silo, _simulator.BaseUrl, new Dictionary<string, string?>
        {
            // A second channel for claude-sonnet-4-6, behind the simulator's "prompt" channel.
            ["Relay:Channels:4:Name"] = "backup",
            ["Relay:Channels:4:Provider"] = "anthropic",
            ["Relay:Channels:4:BaseUrl"] = _simulator.BaseUrl.ToString().TrimEnd('/') + "/_input-tokens/1000/_output-tokens/12",
            ["Relay:Channels:4:ApiKey"] = "upstream-key-backup",
            ["Relay:Channels:4:Priority"] = "1",
            ["Relay:Channels:4:Models:0"] = "claude-sonnet-4-6",
        });
        var (accountId, key) = await NewAccountAsync(edge.AdminHttp);

        await MessagesAsync(edge.Http, key, "claude-sonnet-4-6");
        using (var disabled = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/channels/prompt/enabled", new { enabled = false })))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }
        await MessagesAsync(edge.Http, key, "claude-sonnet-4-6");
        using (var enabled = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/channels/prompt/enabled", new { enabled = true })))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }
        await MessagesAsync(edge.Http, key, "claude-sonnet-4-6");

        var settled = await edge.Settlements.WaitForAsync(accountId, 3);
        Assert.Equal(["prompt", "backup", "prompt"], settled.Select(s => s.Usage.Channel));
        var audit = await AuditAsync(edge.AdminHttp);
        Assert.Equal(["channel.enable", "channel.disable"], audit.Take(2).Select(e => e!["action"]!.GetValue<string>()));
        Assert.False(audit[1]!["after"]!["channel"]!["enabled"]!.GetValue<bool>());
        Assert.True(audit[1]!["before"]!["channel"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_configuration_seeds_only_an_empty_catalog()
    {
        await using var first = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        var seeded = await CatalogVersionAsync();
        // A second edge whose file prices gpt-5.4 differently and names another channel: the cluster's catalog stands.
        await using var second = StoppableEdge.Start(_silo, _simulator.BaseUrl, new Dictionary<string, string?>
        {
            ["Relay:Models:gpt-5.4:Prices:Input"] = "100",
            ["Relay:Channels:4:Name"] = "only-in-the-second-file",
            ["Relay:Channels:4:Provider"] = "openai",
            ["Relay:Channels:4:BaseUrl"] = "http://127.0.0.1:1",
            ["Relay:Channels:4:ApiKey"] = "unused-key",
        });
        var (accountId, key) = await NewAccountAsync(second.AdminHttp);

        await ChatAsync(second.Http, key);

        Assert.Equal(1, seeded);
        Assert.Equal(seeded, await CatalogVersionAsync());
        Assert.Equal(Usd.FromDecimal(0.000_002_25m * 1000 + 0.000_013_5m * 12), Assert.Single(await second.Settlements.WaitForAsync(accountId, 1)).Usage.Cost);
        var catalog = JsonNode.Parse(await (await second.AdminHttp.SendAsync(Admin(HttpMethod.Get, "admin/catalog"))).Content.ReadAsStringAsync())!;
        Assert.DoesNotContain(catalog["channels"]!.AsArray(), c => c!["name"]!.GetValue<string>() == "only-in-the-second-file");
        var seed = Assert.Single(await AuditAsync(second.AdminHttp))!;
        Assert.Equal("seed", seed["action"]!.GetValue<string>());
        Assert.Null(seed["before"]);
        Assert.StartsWith("configuration of edge ", seed["actor"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_change_that_does_not_validate_is_refused_naming_the_field_and_changes_nothing()
    {
        await using var edge = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        var before = await CatalogVersionAsync();

        // A nano-dollar per million at a discount of 0.5 is half a nano-dollar: not exact.
        using var inexact = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/models/gpt-5.4/pricing", new { list = new { input = 0.000000001m, output = 1m }, discount = 0.5m }));
        using var falling = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/models/gpt-5.4/pricing", new
        {
            list = new { input = 1m, output = 1m },
            tiers = new[] { new { aboveInputTokens = 200_000, prices = new { input = 2m, output = 2m } }, new { aboveInputTokens = 100_000, prices = new { input = 3m, output = 3m } } },
        }));
        using var unknownModel = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Post, "admin/channels", new { name = "x", provider = "openai", baseUrl = "https://api.openai.com", apiKey = "sk-0123456789abcdef", models = new[] { "gpt-nope" } }));
        using var keyWithNewline = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Post, "admin/channels", new { name = "x", provider = "openai", baseUrl = "https://api.openai.com", apiKey = "sk-abc\r\nx-injected: 1" }));
        using var keyInUpdate = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/channels/prompt", new { provider = "anthropic", baseUrl = "https://api.anthropic.com", apiKey = "sk-0123456789abcdef" }));
        using var aliasTaken = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/models/new-model", new { provider = "openai", aliases = new[] { "GPT-5.4" }, pricing = new { list = new { input = 1m, output = 1m } } }));
        using var inUse = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Delete, "admin/models/gpt-5.4"));
        using var missing = await edge.AdminHttp.SendAsync(Admin(HttpMethod.Put, "admin/channels/nobody/enabled", new { enabled = false }));

        await AssertRefusedAsync(inexact, HttpStatusCode.BadRequest, "pricing.list.input");
        await AssertRefusedAsync(falling, HttpStatusCode.BadRequest, "pricing.tiers[1].aboveInputTokens");
        await AssertRefusedAsync(unknownModel, HttpStatusCode.BadRequest, "models");
        await AssertRefusedAsync(keyWithNewline, HttpStatusCode.BadRequest, "apiKey");
        await AssertRefusedAsync(keyInUpdate, HttpStatusCode.BadRequest, "apiKey");
        Assert.Equal(HttpStatusCode.Conflict, aliasTaken.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
        Assert.Contains("openai-prompt", await inUse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(before, await CatalogVersionAsync());
        Assert.Single(await AuditAsync(edge.AdminHttp));
    }

    [Fact]
    public async Task The_catalog_api_needs_the_admin_token()
    {
        await using var edge = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        using var request = new HttpRequestMessage(HttpMethod.Put, "admin/models/gpt-5.4/pricing") { Content = JsonContent.Create(new { list = new { input = 0m, output = 0m } }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");

        using var response = await edge.AdminHttp.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, await CatalogVersionAsync());
    }

    [Fact]
    public async Task The_grain_the_console_calls_names_every_change_and_pages_its_audit_log_back()
    {
        await using var edge = StoppableEdge.Start(_silo, _simulator.BaseUrl);
        var catalog = _silo.Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default);
        var model = new ModelDefinition("console-model", "Console model", "glm", null, [],
            new ModelPricing(new TokenPrices(Usd.FromDecimal(1m), Usd.FromDecimal(2m)), 1m, []), null);

        var unnamed = await catalog.PutModelAsync(model, " ");
        var added = await catalog.PutModelAsync(model, "console:ada");
        var again = await catalog.PutModelAsync(model, "console:ada");
        var repriced = await catalog.SetModelPricingAsync("console-model", model.Pricing with { Discount = 0.5m }, "console:bob");

        Assert.Equal((CatalogChangeOutcome.Invalid, "actor"), (unnamed.Outcome, unnamed.Field));
        Assert.Equal((CatalogChangeOutcome.Applied, 2L), (added.Outcome, added.Version));
        Assert.Equal((CatalogChangeOutcome.Unchanged, 2L), (again.Outcome, again.Version));
        Assert.Equal((CatalogChangeOutcome.Applied, 3L), (repriced.Outcome, repriced.Version));
        var newest = Assert.Single(await catalog.GetAuditAsync(null, 1));
        Assert.Equal(("console:bob", "model.update", 3L), (newest.Actor, newest.Action, newest.Version));
        var earlier = await catalog.GetAuditAsync(newest.Version, 10);
        Assert.Equal([("model.add", 2L), ("seed", 1L)], earlier.Select(e => (e.Action, e.Version)));
        Assert.Equal("console:ada", earlier[0].Actor);
        Assert.Null(earlier[0].Before);
        // Edges follow the grain the console changed.
        await edge.Catalog.WhenServingAsync(3).WaitAsync(TimeSpan.FromSeconds(10));
        var view = await catalog.GetAsync();
        Assert.Equal(3, view.Version);
        Assert.Contains(view.Models, m => m.Id == "console-model" && m.Pricing.Discount == 0.5m);
    }

    private Task<long> CatalogVersionAsync() => _silo.Grains.GetGrain<ICatalogGrain>(CatalogKeys.Default).GetVersionAsync();

    /// <summary>The catalog's stored row and audit rows of this silo's service, as text.</summary>
    private async Task<string> StoredRowsAsync()
    {
        await using var db = NpgsqlDataSource.Create(TestServices.Postgres);
        await using var command = db.CreateCommand(
            "select document::text from relay_catalog where service_id = $1 union all select coalesce(before::text, '') || coalesce(after::text, '') from relay_catalog_audit where service_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _silo.ServiceId });
        var text = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            text.AppendLine(reader.GetString(0));
        }
        Assert.Contains("protectedKey", text.ToString(), StringComparison.Ordinal);
        return text.ToString();
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        Assert.Equal(status, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Equal([field], errors.Select(pair => pair.Key));
    }

    private static async Task<JsonArray> AuditAsync(HttpClient http)
    {
        using var response = await http.SendAsync(Admin(HttpMethod.Get, "admin/catalog/audit"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonArray>())!;
    }

    private static async Task<(string AccountId, string Key)> NewAccountAsync(HttpClient http)
    {
        using var open = Admin(HttpMethod.Post, "admin/accounts", new { email = $"{Guid.NewGuid():N}@example.com" });
        using var opened = await http.SendAsync(open);
        opened.EnsureSuccessStatusCode();
        var accountId = (await opened.Content.ReadFromJsonAsync<JsonObject>())!["accountId"]!.GetValue<string>();
        using var credit = Admin(HttpMethod.Post, $"admin/accounts/{accountId}/credits", new { amountUsd = 5m, reason = "test", id = Guid.NewGuid().ToString("N") });
        (await http.SendAsync(credit)).EnsureSuccessStatusCode();
        using var key = Admin(HttpMethod.Post, $"admin/accounts/{accountId}/keys", new { name = "test" });
        using var made = await http.SendAsync(key);
        made.EnsureSuccessStatusCode();
        return (accountId, (await made.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>());
    }

    private static HttpRequestMessage Admin(HttpMethod method, string path, object? body = null)
    {
        var request = EdgeHarness.Admin(method, path, body);
        request.Headers.Add("x-relay-operator", Operator);
        return request;
    }

    private static async Task ChatAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-5.4","messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();
    }

    private static async Task MessagesAsync(HttpClient http, string key, string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent($$"""{"model":"{{model}}","max_tokens":64,"messages":[{"role":"user","content":"Hello"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await response.Content.ReadAsStringAsync();
    }
}
