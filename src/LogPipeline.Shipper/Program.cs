using LogPipeline.Hosting.Configuration;
using LogPipeline.Shipper;
using Microsoft.Extensions.DependencyInjection;

// Exit codes: 0 = stopped with everything delivered, 2 = configuration error (the key is named),
// 3 = stopped with lines undelivered (logged with counts), 4 = Kafka refused delivery or the producer became
// unusable (cause logged; unacknowledged lines are re-sent after the restart), 1 = failure.
var host = ShipperHost.CreateBuilder(args).Build();
var exitCode = host.Services.GetRequiredService<ShipperExitCode>();
return await HostRunner.RunAsync(host, () => exitCode.Value);
