namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// What Elasticsearch's user_agent processor writes, from uap-core's three parsers: browser family and
/// version, OS name/version/full, device family ("Other" is kept as the processor keeps it); plus uap-core's
/// device brand and model (null when unknown), which the processor drops and we index under our own prefix; and the
/// two answers that depend on the user agent alone, computed with it once per distinct user agent (the parser's
/// cache holds them) instead of once per event.
/// </summary>
public sealed record UserAgentInfo(
    string Name, string? Version, string OsName, string? OsVersion, string? OsFull, string DeviceName, string? DeviceBrand = null, string? DeviceModel = null)
{
    /// <summary><see cref="BotClassifier.Classify"/> of the parsed string with this result (<see cref="BotReason.None"/> until the parser sets it).</summary>
    public BotReason Bot { get; init; }

    /// <summary><see cref="DeviceTypes.Classify"/> of the parsed string with this result and <see cref="Bot"/>.</summary>
    public DeviceType DeviceType { get; init; }
}

/// <summary>Raw uap-core results (family, major, minor, patch, …) as the specification defines them.</summary>
public sealed record UapResult(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor);

/// <summary>uap-core device result.</summary>
public sealed record UapDevice(string Family, string? Brand, string? Model);
