"""The zoo entry made by: kerazoo train shapes lenet --data size=32 --epochs 8 --train-size 3000 --val-size 300 --seed 0"""
