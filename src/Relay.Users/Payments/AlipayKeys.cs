using System.Security.Cryptography;

namespace Relay.Users.Payments;

/// <summary>Loads the RSA keys of an Alipay application, as PEM or as the bare Base64 Alipay's tools print.</summary>
internal static class AlipayKeys
{
    /// <summary>The application's private key: PKCS#8 (or PKCS#1) PEM, or bare Base64 of PKCS#8.</summary>
    public static RSA LoadPrivate(string? text) =>
        Load(text, static (rsa, der) => rsa.ImportPkcs8PrivateKey(der, out _));

    /// <summary>Alipay's public key: PEM (SubjectPublicKeyInfo or PKCS#1), or bare Base64 of SubjectPublicKeyInfo.</summary>
    public static RSA LoadPublic(string? text) =>
        Load(text, static (rsa, der) => rsa.ImportSubjectPublicKeyInfo(der, out _));

    /// <summary>PEM says what it holds; bare Base64 is imported as the one format Alipay's tools print for that key.</summary>
    private static RSA Load(string? text, Action<RSA, byte[]> importBare)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var rsa = RSA.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                rsa.ImportFromPem(text);
            }
            else
            {
                importBare(rsa, Convert.FromBase64String(Bare(text)));
            }
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static string Bare(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
}
