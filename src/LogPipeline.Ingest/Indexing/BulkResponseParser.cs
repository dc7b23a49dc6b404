using System.Text.Json;

namespace LogPipeline.Ingest.Indexing;

/// <summary>One item of a <c>_bulk</c> answer: its HTTP-like status and, for failures, the error type and reason.</summary>
internal readonly record struct BulkItemStatus(int Status, string? ErrorType, string? ErrorReason)
{
    public string Describe() => $"{Status} {ErrorType}: {ErrorReason}";
}

/// <summary>
/// Reads a <c>_bulk</c> answer with a forward-only reader: it always counts the items (an answer without one
/// result per document proves nothing about the documents); when <c>errors</c> is false (the common case) it
/// skips their contents, otherwise it collects each item's status and error, skipping everything else.
/// </summary>
internal static class BulkResponseParser
{
    /// <summary>
    /// Returns true when the answer could be read and has an <c>items</c> array, whose length is
    /// <paramref name="count"/>. <paramref name="allSucceeded"/> is true when Elasticsearch said <c>errors:false</c>
    /// before listing the items; else <paramref name="items"/> holds one entry per item.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, List<BulkItemStatus> items, out bool allSucceeded, out int count)
    {
        allSucceeded = false;
        count = 0;
        items.Clear();
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var sawItems = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("errors"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.False && !sawItems)
                    {
                        allSucceeded = true;
                    }
                }
                else if (reader.ValueTextEquals("items"u8))
                {
                    sawItems = true;
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        return false;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        count++;
                        if (allSucceeded)
                        {
                            reader.Skip();
                            continue;
                        }

                        reader.Read(); // the action name: create / index
                        reader.Read(); // its object
                        items.Add(ReadItem(ref reader));
                        reader.Read(); // end of the wrapping object
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return sawItems;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static BulkItemStatus ReadItem(ref Utf8JsonReader reader)
    {
        var status = 0;
        string? type = null;
        string? reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                status = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                (type, reason) = ReadError(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new BulkItemStatus(status, type, reason);
    }

    private static (string? Type, string? Reason) ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return (null, reader.GetString());
        }

        string? type = null;
        string? reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("reason"u8))
            {
                reader.Read();
                reason = reader.GetString();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (type, reason);
    }
}
