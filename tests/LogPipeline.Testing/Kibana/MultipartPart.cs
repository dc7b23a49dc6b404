using System.Text;

namespace LogPipeline.Testing.Kibana;

/// <summary>A minimal multipart/form-data reader for the Kibana stand-in: finds one named part.</summary>
internal sealed record MultipartPart(string FieldName, string? FileName, string? ContentType, string Text)
{
    public static MultipartPart? Find(string contentType, byte[] body, string fieldName)
    {
        const string marker = "boundary=";
        var at = contentType.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        if (!contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) || at < 0)
        {
            return null;
        }

        var boundary = "--" + contentType[(at + marker.Length)..].Split(';')[0].Trim().Trim('"');
        var text = Encoding.UTF8.GetString(body);
        foreach (var section in text.Split(boundary).Skip(1))
        {
            if (section.StartsWith("--", StringComparison.Ordinal))
            {
                break; // closing boundary
            }

            var split = section.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split < 0)
            {
                continue;
            }

            var headers = section[..split].Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var content = section[(split + 4)..];
            if (content.EndsWith("\r\n", StringComparison.Ordinal))
            {
                content = content[..^2];
            }

            var disposition = headers.FirstOrDefault(h => h.StartsWith("Content-Disposition:", StringComparison.OrdinalIgnoreCase)) ?? string.Empty;
            var name = Parameter(disposition, "name");
            if (name != fieldName)
            {
                continue;
            }

            var type = headers.FirstOrDefault(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?["Content-Type:".Length..].Trim();
            return new MultipartPart(name, Parameter(disposition, "filename"), type, content);
        }

        return null;
    }

    private static string? Parameter(string header, string name)
    {
        foreach (var piece in header.Split(';'))
        {
            var kv = piece.Trim().Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return kv[1].Trim().Trim('"');
            }
        }

        return null;
    }
}
