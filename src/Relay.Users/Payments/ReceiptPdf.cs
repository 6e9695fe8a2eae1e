using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Relay.Users.Payments;

/// <summary>A top-up receipt as a one-page A4 PDF, drawn with PDFsharp.</summary>
public static class ReceiptPdf
{
    private const double Margin = 56;

    public static byte[] Render(TopUpReceipt receipt)
    {
        ReceiptFonts.Install();
        using var document = new PdfDocument();
        document.Info.Title = $"Receipt {receipt.Number}";
        document.Info.Author = receipt.Issuer;
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;

        using (var graphics = XGraphics.FromPdfPage(page))
        {
            // Unicode (Identity-H) encoding: a payer's address may hold characters outside WinAnsi.
            var unicode = new XPdfFontOptions(PdfFontEncoding.Unicode);
            var title = new XFont(ReceiptFonts.Family, 20, XFontStyleEx.Bold, unicode);
            var label = new XFont(ReceiptFonts.Family, 11, XFontStyleEx.Bold, unicode);
            var text = new XFont(ReceiptFonts.Family, 11, XFontStyleEx.Regular, unicode);
            var small = new XFont(ReceiptFonts.Family, 9, XFontStyleEx.Regular, unicode);
            var width = page.Width.Point;

            var y = Margin + 20;
            graphics.DrawString($"{receipt.Issuer} top-up receipt", title, XBrushes.Black, Margin, y);
            y += 30;
            graphics.DrawLine(XPens.Gray, Margin, y, width - Margin, y);
            y += 24;
            foreach (var (name, value) in receipt.Lines)
            {
                graphics.DrawString(name, label, XBrushes.Black, Margin, y);
                graphics.DrawString(value, text, XBrushes.Black, Margin + 150, y);
                y += 22;
            }
            y += 10;
            graphics.DrawLine(XPens.Gray, Margin, y, width - Margin, y);
            y += 20;
            graphics.DrawString("Prepaid credit for Relay usage. Credits do not expire.", small, XBrushes.DimGray, Margin, y);
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }
}

/// <summary>
/// The fonts receipts are drawn with. PDFsharp's core build finds no system fonts on Linux, so this resolver
/// serves DejaVu Sans from the machine (Debian's fonts-dejavu-core, present wherever fontconfig is) and falls
/// back to the Segoe WP faces PDFsharp ships in PdfSharp.WPFonts, so a receipt renders on any machine.
/// </summary>
internal sealed class ReceiptFonts : IFontResolver
{
    public const string Family = "Relay Receipt";

    private const string RegularFace = "relay-receipt-regular";
    private const string BoldFace = "relay-receipt-bold";

    private static readonly string[] FontFolders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];

    private static readonly Lock InstallLock = new();

    private readonly Lazy<byte[]> _regular = new(() => Load("DejaVuSans.ttf") ?? PdfSharp.WPFonts.FontDataHelper.SegoeWP);
    private readonly Lazy<byte[]> _bold = new(() => Load("DejaVuSans-Bold.ttf") ?? PdfSharp.WPFonts.FontDataHelper.SegoeWPBold);

    /// <summary>Sets this resolver as PDFsharp's (a process-wide setting PDFsharp allows once) unless it is already.</summary>
    public static void Install()
    {
        lock (InstallLock)
        {
            if (GlobalFontSettings.FontResolver is not ReceiptFonts)
            {
                GlobalFontSettings.FontResolver = new ReceiptFonts();
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool isBold, bool isItalic) =>
        new(isBold ? BoldFace : RegularFace);

    public byte[]? GetFont(string faceName) => faceName == BoldFace ? _bold.Value : _regular.Value;

    private static byte[]? Load(string file) => FontFolders
        .Select(folder => Path.Combine(folder, file))
        .Where(File.Exists)
        .Select(File.ReadAllBytes)
        .FirstOrDefault();
}
