/** The two kinds of `vbs` commands, as `vbs --help` groups them. */
export const CLIENT_GROUP = 'Over HTTP (from any machine; credentials from clouds.yaml or OS_* variables):';
export const SERVER_GROUP = 'On the data directory (run where `vbs serve` keeps its data, as its user):';
