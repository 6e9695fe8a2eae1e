using System.Security.Cryptography;

namespace Relay.EdgeApi.Payments;

/// <summary>Loads the RSA keys of an Alipay application, as PEM or as the bare Base64 Alipay's tools print.</summary>
internal static class AlipayKeys
{
    /// <summary>The application's private key: PKCS#8 (or PKCS#1) PEM, or bare Base64 of PKCS#8.</summary>
    public static RSA LoadPrivate(string? text)
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
                rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(Bare(text)), out _);
            }
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    /// <summary>Alipay's public key: PEM (SubjectPublicKeyInfo or PKCS#1), or bare Base64 of SubjectPublicKeyInfo.</summary>
    public static RSA LoadPublic(string? text)
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
                rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(Bare(text)), out _);
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
