"""The Mnubo SmartObjects API v3 emulator: two zones, `/mnubo/sandbox` and `/mnubo/production`.

OAuth2 client credentials per zone (`auth`), the data model with its odd spellings (`model`,
`model_writes`, `deploy`), ingestion of objects, events and owners (`objects`, `events`,
`owners`), all over one `MnuboState` (`state`) shared by the two zone mounts (`mount`). The
contract is `mnubo-api.md`; where it is silent the emulator decides, and docs/mnubo.md lists
each decision with its test.
"""
