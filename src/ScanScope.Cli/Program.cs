using System.CommandLine;
using ScanScope.Cli;

return Cli.Run(args);
