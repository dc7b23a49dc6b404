using System.Globalization;

namespace LogPipeline.Contracts;

/// <summary>
/// The text form of a file identity, <c>&lt;dev&gt;:&lt;inode&gt;:&lt;fingerprint-hex&gt;</c> (decimal device and inode,
/// lower-case hex fingerprint). It is the <c>lp.file</c> header, the Kafka key under <c>Kafka:Partitioning=file</c>,
/// the checkpoint key, and an input of the document <c>_id</c>: it must never change for a given file.
/// </summary>
public static class FileIdentityText
{
    public static string Format(ulong device, ulong inode, string fingerprintHex) =>
        string.Create(CultureInfo.InvariantCulture, $"{device}:{inode}:{fingerprintHex}");

    /// <summary>Parses the form written by <see cref="Format"/>; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ulong device, out ulong inode, out string fingerprintHex)
    {
        device = 0;
        inode = 0;
        fingerprintHex = string.Empty;
        var first = text.IndexOf(':');
        if (first < 0)
        {
            return false;
        }

        var rest = text[(first + 1)..];
        var second = rest.IndexOf(':');
        if (second < 0)
        {
            return false;
        }

        var fingerprint = rest[(second + 1)..];
        if (fingerprint.Contains(':')
            || !ulong.TryParse(text[..first], NumberStyles.None, CultureInfo.InvariantCulture, out device)
            || !ulong.TryParse(rest[..second], NumberStyles.None, CultureInfo.InvariantCulture, out inode))
        {
            device = 0;
            inode = 0;
            return false;
        }

        fingerprintHex = fingerprint.ToString();
        return true;
    }
}
