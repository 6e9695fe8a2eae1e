using System.Security.Cryptography;
using System.Text;

namespace Relay.Simulator.Alipay;

/// <summary>
/// Alipay's RSA2 rules, written from shared/wire/alipay/signing.md independently of the edge's code so that each
/// checks the other: a request's signed string leaves out <c>sign</c> and empty values (<c>sign_type</c> is signed);
/// a notification's or a return's leaves out <c>sign</c> and <c>sign_type</c>. Both sort the names in ASCII order
/// and join <c>name=value</c> with <c>&amp;</c>, values raw; the signature is SHA256withRSA (PKCS#1 v1.5), Base64.
/// </summary>
internal static class AlipaySignatures
{
    public static string RequestContent(IEnumerable<KeyValuePair<string, string>> parameters) =>
        Join(parameters.Where(p => p.Key != "sign" && p.Value.Length > 0));

    public static string ResponseContent(IEnumerable<KeyValuePair<string, string>> parameters) =>
        Join(parameters.Where(p => p.Key is not ("sign" or "sign_type")));

    public static bool Verify(RSA key, string content, string signature)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        return key.VerifyData(Encoding.UTF8.GetBytes(content), bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    public static string Sign(RSA key, string content) =>
        Convert.ToBase64String(key.SignData(Encoding.UTF8.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>Adds <c>sign_type</c> and the <c>sign</c> over the rest, as Alipay signs what it sends back.</summary>
    public static Dictionary<string, string> Signed(RSA key, IReadOnlyDictionary<string, string> parameters)
    {
        var signed = new Dictionary<string, string>(parameters, StringComparer.Ordinal) { ["sign_type"] = "RSA2" };
        signed["sign"] = Sign(key, ResponseContent(signed));
        return signed;
    }

    public static RSA LoadPem(string pem)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static string Join(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join('&', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
}
