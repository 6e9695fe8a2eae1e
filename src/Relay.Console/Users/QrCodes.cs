using QRCoder;

namespace Relay.Console.Users;

/// <summary>QR codes as PNG data URIs (QRCoder), for a deposit address a phone wallet can scan.</summary>
internal static class QrCodes
{
    public static string PngDataUri(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(8);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
