using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Relay.Simulator.Hosting;

namespace Relay.Simulator.Tests.Alipay;

/// <summary>
/// The merchant's side of the stand-in, written here from the doc's rules (not the simulator's code): a key pair that
/// signs page-pay URLs, a notify endpoint that records every notification and answers as told, and the checks a
/// merchant makes on what Alipay signs.
/// </summary>
internal sealed partial class AlipayMerchant : IAsyncDisposable
{
    public const string AppId = "local-alipay-standin";

    // 2048-bit keys take a moment to make: one pair each for the whole run.
    public static readonly RSA MerchantKey = RSA.Create(2048);
    public static readonly RSA PlatformKey = RSA.Create(2048);
    public static readonly RSA StrangerKey = RSA.Create(2048);

    private readonly WebApplication _app;
    private readonly Channel<Dictionary<string, string>> _received = Channel.CreateUnbounded<Dictionary<string, string>>();
    private int _failuresLeft;

    private AlipayMerchant(WebApplication app) => _app = app;

    public Uri NotifyUrl => new(_app.Urls.First() + "/notify");

    public static void ConfigureStandIn(SimulatorOptions options)
    {
        options.Alipay.MerchantPublicKey = MerchantKey.ExportSubjectPublicKeyInfoPem();
        options.Alipay.PlatformPrivateKey = PlatformKey.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>A merchant whose notify endpoint answers <c>failure</c> to the first <paramref name="failures"/> deliveries.</summary>
    public static async Task<AlipayMerchant> StartAsync(int failures = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var merchant = new AlipayMerchant(app) { _failuresLeft = failures };
        app.MapPost("/notify", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            merchant._received.Writer.TryWrite(form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal));
            return Interlocked.Decrement(ref merchant._failuresLeft) >= 0 ? "failure" : "success";
        });
        await app.StartAsync();
        return merchant;
    }

    public async Task<Dictionary<string, string>> NextNotificationAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    public int Pending => _received.Reader.Count;

    /// <summary>A signed page-pay URL on <paramref name="gateway"/>, as an edge builds it; <paramref name="alter"/> changes it after signing.</summary>
    public Uri PagePayUrl(
        Uri gateway, string outTradeNo, string amount = "36.24", Uri? returnUrl = null, RSA? signedBy = null,
        Action<Dictionary<string, string>>? alter = null)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["app_id"] = AppId,
            ["method"] = "alipay.trade.page.pay",
            ["format"] = "json",
            ["charset"] = "utf-8",
            ["sign_type"] = "RSA2",
            ["timestamp"] = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["version"] = "1.0",
            ["notify_url"] = NotifyUrl.AbsoluteUri,
            ["biz_content"] = $$"""{"out_trade_no":"{{outTradeNo}}","total_amount":"{{amount}}","subject":"Relay top-up","product_code":"FAST_INSTANT_TRADE_PAY"}""",
        };
        if (returnUrl is not null)
        {
            parameters["return_url"] = returnUrl.AbsoluteUri;
        }
        var content = string.Join("&", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
        parameters["sign"] = Convert.ToBase64String((signedBy ?? MerchantKey).SignData(
            Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        alter?.Invoke(parameters);
        return new Uri(gateway + "?" + string.Join("&", parameters.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value))));
    }

    /// <summary>True when Alipay's key signed these parameters by the notification rule: all but sign and sign_type, sorted, joined.</summary>
    public static bool SignedByPlatform(IReadOnlyDictionary<string, string> parameters)
    {
        var content = string.Join("&", parameters
            .Where(p => p.Key is not ("sign" or "sign_type"))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        return parameters["sign_type"] == "RSA2" && PlatformKey.VerifyData(Encoding.UTF8.GetBytes(content),
            Convert.FromBase64String(parameters["sign"]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The hidden fields of the cashier page's pay form: what pressing the button posts.</summary>
    public static Dictionary<string, string> PayForm(string cashierHtml) =>
        HiddenInput().Matches(cashierHtml).ToDictionary(
            m => WebUtility.HtmlDecode(m.Groups["name"].Value), m => WebUtility.HtmlDecode(m.Groups["value"].Value), StringComparer.Ordinal);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenInput();
}
