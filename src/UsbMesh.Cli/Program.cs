using UsbMesh.Cli;

return await CliCommand.RunAsync(args);
