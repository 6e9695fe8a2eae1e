extern alias simulator;

using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Relay.Accounts;
using Relay.Console.SignIn;
using Relay.Testing;
using simulator::Relay.Simulator.Hosting;

namespace Relay.Console.Tests.Support;

/// <summary>
/// Everything a person's browser meets, in this process: a real silo (Redis + PostgreSQL), the upstream simulator,
/// the edge and the console on Kestrel, Alipay played by <see cref="AlipayStandIn"/>, and Debian's Chromium driven
/// by Playwright (never a downloaded browser).
/// </summary>
public sealed class ConsoleWorld : IAsyncLifetime
{
    /// <summary>
    /// Each run its own service id: grain state (the catalog with the prices a test changes) is stored under it, so a run
    /// starts from the catalog its edge's configuration seeds.
    /// </summary>
    public static readonly string ServiceId = "relay-console-tests-" + Guid.NewGuid().ToString("N")[..8];
    public const string AdminToken = "console-tests-admin-token";
    public const string OperatorName = "ops";
    public const string OperatorPassword = "operator password for tests";
    public const string ViewerName = "watcher";
    public const string ViewerPassword = "viewer password for tests";
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Usage the simulator reports for every call: 1000 input and 12 output tokens.</summary>
    public const long InputTokens = 1000;

    public const long OutputTokens = 12;

    private readonly Settlements _settlements = new();
    private EdgeApp? _edge;
    private ConsoleApp? _console;
    private IPlaywright? _playwright;

    public RelaySiloHost Silo { get; private set; } = null!;

    public SimulatorServer Simulator { get; private set; } = null!;

    public AlipayStandIn Alipay { get; } = new();

    public Uri EdgeUrl { get; private set; } = null!;

    public Uri ConsoleUrl { get; private set; } = null!;

    /// <summary>Where the console sends the browser to pay: a page that stands for Alipay's cashier.</summary>
    public Uri GatewayUrl { get; private set; } = null!;

    public HttpClient Edge { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public IGrainFactory Grains => Silo.Grains;

    /// <summary>What the browser's pages wrote to their consoles, for a failing test to show.</summary>
    public static System.Collections.Concurrent.ConcurrentQueue<string> BrowserLog { get; } = new();

    /// <summary>Where screenshots of the pages go: artifacts/screenshots in the repository.</summary>
    public static string ScreenshotFolder => Path.Combine(TestServices.RepositoryRoot(), "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        Silo = await RelaySiloHost.StartAsync(ServiceId);
        Simulator = await SimulatorServer.StartAsync();
        int edgePort = TestServices.FreePort(), consolePort = TestServices.FreePort();
        EdgeUrl = new Uri($"http://127.0.0.1:{edgePort}/");
        ConsoleUrl = new Uri($"http://127.0.0.1:{consolePort}/");
        GatewayUrl = new Uri(EdgeUrl, "/healthz");
        var alipay = Alipay.Settings(GatewayUrl, EdgeUrl, ConsoleUrl);

        _edge = new EdgeApp(EdgeSettings(alipay), _settlements);
        _edge.UseKestrel(edgePort);
        _edge.StartServer();
        Edge = new HttpClient { BaseAddress = EdgeUrl, Timeout = TimeSpan.FromSeconds(60) };

        _console = new ConsoleApp(ConsoleSettings(alipay));
        _console.UseKestrel(consolePort);
        _console.StartServer();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (_console is not null)
        {
            await _console.DisposeAsync();
        }
        Edge?.Dispose();
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }
        await Simulator.DisposeAsync();
        await Silo.DisposeAsync();
        Alipay.Dispose();
    }

    /// <summary>A fresh browser (its own cookies) showing the console in a language and at a width.</summary>
    public async Task<IPage> NewPageAsync(string locale = "en-US", bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = ConsoleUrl.AbsoluteUri,
            Locale = locale,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1366, Height = 900 },
            IsMobile = phone,
            HasTouch = phone,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        page.Response += (_, response) =>
        {
            if (response.Status >= 500)
            {
                BrowserLog.Enqueue($"{response.Status} {response.Url}");
            }
        };
        page.Console += (_, message) => BrowserLog.Enqueue($"{message.Type}: {message.Text}");
        page.PageError += (_, error) => BrowserLog.Enqueue("page error: " + error);
        return page;
    }

    /// <summary>Signs a person up in the browser (optionally through an invite link) and leaves them on their home page.</summary>
    public async Task<string> SignUpAsync(IPage page, string email, string? inviteCode = null)
    {
        await page.GotoAsync(inviteCode is null ? "/signup" : "/?invite=" + inviteCode);
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", "a good long password");
        await page.ClickAsync("#sign-up");
        await page.WaitForURLAsync(url => url.Contains("welcome=1", StringComparison.Ordinal));
        await Assertions.Expect(page.Locator("#balance")).ToBeVisibleAsync();
        return (await Grains.GetGrain<Relay.Identity.IEmailGrain>(email).GetAsync())!.AccountId;
    }

    /// <summary>Opens a page and waits until its circuit is live (clicks before that would reach nothing).</summary>
    public static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        await WaitInteractiveAsync(page, path);
    }

    /// <summary>Waits until the page's circuit is live.</summary>
    public static async Task WaitInteractiveAsync(IPage page, string? path = null)
    {
        path ??= page.Url;
        try
        {
            await Assertions.Expect(page.Locator("#interactive")).ToHaveAttributeAsync("data-ready", "true");
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"{path} did not become interactive. Browser console:\n{string.Join('\n', BrowserLog)}", e);
        }
    }

    public static async Task SignInAsync(IPage page, string email)
    {
        await page.GotoAsync("/signin");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", "a good long password");
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("#balance")).ToBeVisibleAsync();
    }

    public static async Task OperatorSignInAsync(IPage page, string name = OperatorName, string password = OperatorPassword)
    {
        await page.GotoAsync("/operator/signin");
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(url => !url.Contains("/signin", StringComparison.Ordinal));
    }

    /// <summary>One Anthropic Messages call through the edge with the key, once settled; answers the call id it was booked under.</summary>
    public async Task<string> CallAsync(string key, string model = "claude-sonnet-4-6")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new
            {
                model,
                max_tokens = 64,
                messages = new[] { new { role = "user", content = "Hello" } },
            }),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await Edge.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var callId = response.Headers.GetValues("x-relay-call-id").Single();
        // The edge settles after the answer has gone out; the ledger has the call once the settlement is acknowledged.
        await _settlements.ForAsync(callId);
        return callId;
    }

    /// <summary>The newest usage entry of an account, read from its ledger.</summary>
    public async Task<LedgerEntry> NewestCallAsync(string accountId)
    {
        var calls = await Grains.GetGrain<IAccountGrain>(accountId)
            .GetUsageAsync(new UsageQuery(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1), Limit: 1));
        return calls.Single();
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    private Dictionary<string, string?> EdgeSettings(Dictionary<string, string?> alipay)
    {
        var sim = Simulator.BaseUrl.ToString().TrimEnd('/') + $"/_input-tokens/{InputTokens}/_output-tokens/{OutputTokens}";
        var settings = new Dictionary<string, string?>(alipay)
        {
            ["ConnectionStrings:Redis"] = TestServices.Redis,
            ["Orleans:ClusterId"] = Silo.ClusterId,
            ["Orleans:ServiceId"] = ServiceId,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Relay:AdminToken"] = AdminToken,
            ["Relay:Users:SessionSecret"] = "console-tests-session-secret-0123456789abcdef",
            ["Relay:Upstream:RetryDelay"] = "00:00:00.010",
            // The price the tests expect, at list price: $3 input and $15 output per million tokens.
            ["Relay:Models:claude-sonnet-4-6:Prices:Input"] = "3",
            ["Relay:Models:claude-sonnet-4-6:Prices:Output"] = "15",
            ["Relay:Models:claude-sonnet-4-6:Discount"] = "1",
        };
        string[][] channels = [["anthropic-sim", "anthropic", "claude-sonnet-4-6", "claude-haiku-4-5"], ["openai-sim", "openai", "gpt-5.4"]];
        for (var i = 0; i < channels.Length; i++)
        {
            var prefix = $"Relay:Channels:{i}:";
            settings[prefix + "Name"] = channels[i][0];
            settings[prefix + "Provider"] = channels[i][1];
            settings[prefix + "BaseUrl"] = sim;
            settings[prefix + "ApiKey"] = "upstream-key-" + channels[i][0];
            for (var m = 2; m < channels[i].Length; m++)
            {
                settings[prefix + $"Models:{m - 2}"] = channels[i][m];
            }
        }
        return settings;
    }

    private Dictionary<string, string?> ConsoleSettings(Dictionary<string, string?> alipay) => new(alipay)
    {
        ["ConnectionStrings:Redis"] = TestServices.Redis,
        ["Orleans:ClusterId"] = Silo.ClusterId,
        ["Orleans:ServiceId"] = ServiceId,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore.Diagnostics"] = "Error",
        ["Relay:Console:PublicBaseUrl"] = ConsoleUrl.AbsoluteUri,
        ["Relay:Console:RelayBaseUrl"] = EdgeUrl.AbsoluteUri,
        ["Relay:Console:Operators:0:Name"] = OperatorName,
        ["Relay:Console:Operators:0:PasswordHash"] = OperatorPasswordCommand.Hash(OperatorPassword),
        ["Relay:Console:Operators:0:Roles:0"] = "admin",
        ["Relay:Console:Operators:1:Name"] = ViewerName,
        ["Relay:Console:Operators:1:PasswordHash"] = OperatorPasswordCommand.Hash(ViewerPassword),
        ["Relay:Console:Operators:1:Roles:0"] = "viewer",
    };

    public static string Cents(decimal usd) => usd.ToString("0.00", CultureInfo.InvariantCulture);
}

[CollectionDefinition(Name)]
public sealed class SharedConsole : ICollectionFixture<ConsoleWorld>
{
    public const string Name = "console";
}
