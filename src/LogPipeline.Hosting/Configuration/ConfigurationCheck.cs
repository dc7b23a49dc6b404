using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LogPipeline.Hosting.Configuration;

/// <summary>
/// Runs the validation a host runs at start (every <c>ValidateOnStart</c> options class with its validators)
/// without starting anything, for the <c>check</c> commands: same rules, same messages naming the keys.
/// </summary>
public static class ConfigurationCheck
{
    /// <summary>The failures (each names its key); empty when the configuration is valid.</summary>
    public static IReadOnlyList<string> Validate(IServiceProvider services)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
            return [];
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException or InvalidOperationException)
        {
            var failures = new List<string>();
            Collect(ex, failures);
            return failures;
        }
    }

    private static void Collect(Exception ex, List<string> failures)
    {
        switch (ex)
        {
            case OptionsValidationException validation:
                failures.AddRange(validation.Failures);
                break;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, failures);
                }

                break;
            default:
                // The binder's message names the key ("Failed to convert configuration value at 'Shipper:MaxLineBytes' ...").
                failures.Add(ex.Message);
                break;
        }
    }
}
