using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace LogPipeline.Ingest.Setup.Dashboards;

/// <summary>
/// The "setup wrote this" marker on a saved object (docs/decisions/0013-setup-owns-only-what-it-wrote.md): a hash
/// of the object as generated, stored where Kibana keeps it on import but drops it when a user saves the object
/// from the UI — inside the dashboard's <c>optionsJSON</c> string and inside a Lens object's <c>state</c>. Data
/// views carry none (Kibana itself rewrites them as fields are used).
/// </summary>
public static class OwnershipMarker
{
    public const string Key = "logpipelineSetupHash";

    /// <summary>Hex SHA-256 (first 16 characters) of the object's canonical JSON without a marker.</summary>
    public static string ContentHash(JsonObject savedObject)
    {
        var copy = (JsonObject)savedObject.DeepClone();
        Remove(copy);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(copy.ToJsonString()));
        return Convert.ToHexStringLower(bytes)[..16];
    }

    /// <summary>The marker's value, or null when the object has none (a user saved it, or setup never wrote it).</summary>
    public static string? Read(JsonObject savedObject)
    {
        var attributes = savedObject["attributes"] as JsonObject;
        switch (savedObject["type"]?.GetValue<string>())
        {
            case "dashboard":
                var options = attributes?["optionsJSON"]?.GetValue<string>();
                try
                {
                    return options is null ? null : (JsonNode.Parse(options) as JsonObject)?[Key]?.GetValue<string>();
                }
                catch (System.Text.Json.JsonException)
                {
                    return null;
                }

            case "lens":
                return (attributes?["state"] as JsonObject)?[Key]?.GetValue<string>();
            default:
                return null;
        }
    }

    /// <summary>Stores <paramref name="hash"/> in the object (no-op for types without a marker).</summary>
    public static void Write(JsonObject savedObject, string hash) => Edit(savedObject, o => o[Key] = hash);

    /// <summary>Whether objects of this type carry a marker.</summary>
    public static bool Supports(string type) => type is "dashboard" or "lens";

    private static void Remove(JsonObject savedObject) => Edit(savedObject, o => o.Remove(Key));

    private static void Edit(JsonObject savedObject, Action<JsonObject> change)
    {
        var attributes = savedObject["attributes"] as JsonObject;
        var type = savedObject["type"]?.GetValue<string>();
        if (type == "dashboard" && attributes?["optionsJSON"] is JsonValue text)
        {
            var options = JsonNode.Parse(text.GetValue<string>())!.AsObject();
            change(options);
            attributes["optionsJSON"] = options.ToJsonString();
        }
        else if (type == "lens" && attributes?["state"] is JsonObject state)
        {
            change(state);
        }
    }
}
