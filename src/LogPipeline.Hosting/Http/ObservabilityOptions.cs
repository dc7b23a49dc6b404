using LogPipeline.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Http;

/// <summary>Where <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> are served.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    [KeyRange("Observability:Port", 0, 65535)]
    public int Port { get; set; } = 9100;

    /// <summary>Address to bind; <c>0.0.0.0</c> in containers, <c>127.0.0.1</c> in tests.</summary>
    [KeyRequired("Observability:BindAddress")]
    public string BindAddress { get; set; } = "0.0.0.0";
}

/// <summary>The data annotations above, checked by generated code (AOT-safe, no reflection).</summary>
[OptionsValidator]
public sealed partial class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>;
