#!/usr/bin/env python3
"""Peer for the UCI Air Quality imputation benchmark: reads the file as published (sep ';',
decimal ',', -200 = missing), hides the cells listed in MASK.csv, fills them with
DataFrame.interpolate(method="time") and writes row,column,value for every masked cell.
Usage: pandas_airquality.py AirQualityUCI.csv MASK.csv OUT.csv"""
import sys
import pandas as pd

src, mask_path, out = sys.argv[1:4]
df = pd.read_csv(src, sep=';', decimal=',')
df = df.loc[:, [c for c in df.columns if not c.startswith('Unnamed')]]
df = df.dropna(how='all').reset_index(drop=True)
df.index = pd.to_datetime(df['Date'] + ' ' + df['Time'], format='%d/%m/%Y %H.%M.%S')
values = df.drop(columns=['Date', 'Time']).astype(float).replace(-200.0, float('nan'))
mask = pd.read_csv(mask_path)
for col, rows in mask.groupby('column')['row']:
    values.iloc[rows.values, values.columns.get_loc(col)] = float('nan')
filled = values.interpolate(method='time')
with open(out, 'w') as f:
    f.write('row,column,value\n')
    for row, col in zip(mask['row'], mask['column']):
        v = filled.iat[row, filled.columns.get_loc(col)]
        f.write(f'{row},{col},{"" if pd.isna(v) else repr(float(v))}\n')
