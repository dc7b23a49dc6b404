namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// What Elasticsearch's user_agent processor writes, from uap-core's three parsers: browser family and
/// version, OS name/version/full, device family ("Other" is kept as the processor keeps it); plus uap-core's
/// device brand and model (null when unknown), which the processor drops and we index under our own prefix.
/// </summary>
public sealed record UserAgentInfo(
    string Name, string? Version, string OsName, string? OsVersion, string? OsFull, string DeviceName, string? DeviceBrand = null, string? DeviceModel = null);

/// <summary>Raw uap-core results (family, major, minor, patch, …) as the specification defines them.</summary>
public sealed record UapResult(string Family, string? Major, string? Minor, string? Patch, string? PatchMinor);

/// <summary>uap-core device result.</summary>
public sealed record UapDevice(string Family, string? Brand, string? Model);
