"""The zoo entry made by: kerazoo train polkadots autoencoder --data size=32 --data min_radius=3 --data max_radius=6 --hp filters=8 --epochs 5 --train-size 2000 --val-size 300 --seed 0"""
