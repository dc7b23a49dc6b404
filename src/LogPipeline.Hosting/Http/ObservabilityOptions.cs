using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Http;

/// <summary>Where <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> are served.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 9100;

    /// <summary>Address to bind; <c>0.0.0.0</c> in containers, <c>127.0.0.1</c> in tests.</summary>
    [Required]
    public string BindAddress { get; set; } = "0.0.0.0";
}

[OptionsValidator]
public sealed partial class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>;
