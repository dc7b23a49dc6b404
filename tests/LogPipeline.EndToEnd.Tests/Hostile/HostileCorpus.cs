using System.Text;

namespace LogPipeline.EndToEnd.Tests.Hostile;

/// <summary>The committed corpus (Corpus/*.log) split into physical lines, plus the 5 MB line made at run time.</summary>
internal static class HostileCorpus
{
    public const int HugeLineBytes = 5 * 1024 * 1024;

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Corpus");

    /// <summary>(file, zero-based line index, bytes without the newline) for every committed line.</summary>
    public static IEnumerable<(string File, int Index, byte[] Line)> Lines()
    {
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.log").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            var index = 0;
            var start = 0;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    yield return (Path.GetFileName(file), index++, bytes[start..i]);
                    start = i + 1;
                }
            }
        }
    }

    /// <summary>A combined line whose URL is ~5 MB (deterministic), far beyond any line limit.</summary>
    public static byte[] HugeLine(int seq)
    {
        var sb = new StringBuilder(HugeLineBytes + 256);
        sb.Append("203.0.113.9 - - [14/Mar/2025:09:26:53 +0000] \"GET /huge?seq=").Append(seq).Append("&pad=");
        while (sb.Length < HugeLineBytes)
        {
            sb.Append("0123456789abcdef");
        }

        sb.Append(" HTTP/1.1\" 414 0 \"-\" \"huge/1.0\"");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
